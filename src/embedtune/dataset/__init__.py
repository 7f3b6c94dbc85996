"""Stage `dataset`'s parts: generated pairs or labelled files into splits, hard negatives."""
