-- wrk script: a page's htmx fragment, as htmx asks for it when it polls (the HX-Request header), then the report.
wrk.headers["HX-Request"] = "true"

dofile("bench/report.lua")
