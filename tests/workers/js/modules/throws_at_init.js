// Fails while the main module evaluates, after an await.
await null;
throw new RangeError("thrown at the top level");
