BxJFGHIJZ[\]^
