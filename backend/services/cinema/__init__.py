"""The cinema service: the hall's authority per showtime; issues and takes back tickets."""
