"""The benchmark behind `make bench` and `make bench-soak` (README: Benchmarks).

It runs the service as a user would (uvicorn, one or more workers) on data loaded by
`make seed`, drives it with wrk from outside the Python process, measures two floors in
the same run (`{ __typename }` through the same server, and each request's SQL through
the same driver without GraphQL) and writes the results into `docs/benchmarks.md`.
"""
