"""What the ledger's cross-app tests share: the datasets they publish."""

CENSUS = "county-population-1395"
BEDS = "hospital-beds"
