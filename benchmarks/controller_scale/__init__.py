"""Scale benchmark of the controller (reliability.md T15, issue 8): see ``__main__``."""
