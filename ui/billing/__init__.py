"""Billing screens: the invoice list, editor and view, payments, voids and credit notes, PDF preview, export."""
