"""Protocol fronts: RIBCL, RIS (iLO 4) and Redfish (iLO 5) over a backend."""
