"""The normalise task: decoded pages to clean text, metadata, tokens and signatures."""
