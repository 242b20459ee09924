"""Family 2: Basic auth declared twice, replaced, or declared without effect."""
