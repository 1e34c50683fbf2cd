"""The supervisor's desk: the records table with filters and search, each record's detail and
history, evidence flags, batch review, the map and the export."""
