"""The four services. Each owns its database and shares only message types with the others."""
