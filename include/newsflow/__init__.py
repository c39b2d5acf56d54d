"""newsflow: news ingestion pipeline logic, importable without Airflow."""
