"""The hands: one module per optimizer family, holding its spec(s) and how to explain a step."""
