"""Service functions of the refunds domain: the verbs adapters, admin, API and tasks call."""
