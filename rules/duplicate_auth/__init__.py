"""Family 2: Basic auth declared twice, replaced, or declared without effect."""


def may_be_same_file(one: str, other: str) -> bool:
    """Whether two file names, as written, may name one file: equal, built from variables,
    or a relative name (read from the server's prefix) that the other ends with."""
    if one == other or "$" in one or "$" in other:
        return True
    relative, absolute = sorted((one, other), key=lambda name: name.startswith("/"))
    return not relative.startswith("/") and absolute.endswith("/" + relative.lstrip("./"))
