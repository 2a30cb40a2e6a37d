"""The Patients screens: search, registration and edit form, the patient record, merge, documents."""
