"""Views of the results app: the results page and its documents, the award vote, the
authority's overview and a unit's results over the years, and the year's bundle."""
