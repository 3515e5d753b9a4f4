"""Reading HTTP request headers."""


def header_qualities(header: str) -> dict[str, float]:
    """The values of an Accept-style header (`Accept`, `Accept-Encoding`) with their
    quality, 1 when not given, lowercased."""
    qualities: dict[str, float] = {}
    for part in header.split(","):
        value, *parameters = (item.strip() for item in part.split(";"))
        if not value:
            continue
        quality = 1.0
        for parameter in parameters:
            name, _, given = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(given.strip())
                except ValueError:
                    quality = 0.0
        qualities[value.lower()] = quality
    return qualities
