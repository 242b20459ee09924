"""nginx: file detection, the crossplane-based loader, and nginx's inheritance semantics."""
