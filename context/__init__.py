"""What the model sees: parses, cursor analysis, prompt windows and post-processing.

Knows nothing of LSP: positions arrive as (line, character) pairs and text as str.
"""
