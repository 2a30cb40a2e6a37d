"""Domain services: patients, catalogue, invoices, payments, billing reports (headless, no Qt)."""
