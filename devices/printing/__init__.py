"""Receipt printing: a Receipt, a template layout, ESC/POS rendering, a print queue."""
