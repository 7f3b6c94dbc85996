"""Stage `chunk`'s parts: splitting elements into chunks, measuring their length."""
