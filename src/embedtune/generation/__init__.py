"""Stage `generate`'s parts: the LLM backends, the reply cache, the question filters."""
