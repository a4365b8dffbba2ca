ByJJa
