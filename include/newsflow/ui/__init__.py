"""The web app of the newsflow_quality plugin (``plugins/newsflow_quality.py``): ``routes.app``."""
