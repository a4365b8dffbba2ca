ByJFGHIJZ[\]^
FGHIJZ[\]^
