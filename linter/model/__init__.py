"""The common model every parser fills and every rule reads.

- :mod:`.source`: source files and locations;
- :mod:`.tree`: the uniform config tree (directive, arguments, children);
- :mod:`.scope`: scopes, the places that handle a request, with inherited lookups;
- :mod:`.settings`: the effective settings of a scope after inheritance;
- :mod:`.workspace`: everything loaded in one run, with the problems met while loading.
"""
