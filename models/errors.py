class ModelError(Exception):
    """A model cannot be used; the message says what is wrong and what to do."""
