"""authlint's rules, one module per rule, grouped by family.

IDs are ``AL`` + three digits; the hundreds digit is the family: 0 the
linter's own diagnostics, 1 Authorization forwarding, 2 duplicate Basic auth,
3 CORS, 4 caching, 5 header buffers, 6 credential hygiene.
"""
