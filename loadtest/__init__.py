"""`make stress`: the load test (python -m loadtest). The HTTP client (client), the data a run works on (plan),
what the clients do (workload), the gunicorn runner (server) and what must hold afterwards (invariants, over
licensing.integrity)."""
