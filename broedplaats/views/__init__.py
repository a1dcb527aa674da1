"""Pages by audience: public.py, creative.py, programmer.py, places.py (spaces and calls)
and bureau.py (throughput dashboards)."""
