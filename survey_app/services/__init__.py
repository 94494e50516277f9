"""Services: the only way pages and commands change or read a study. Each checks role and ownership."""
