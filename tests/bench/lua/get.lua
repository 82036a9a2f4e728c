-- A plain GET of the URL given to wrk (static request: wrk's fastest path).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")
