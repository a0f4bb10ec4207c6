"""What the tests and the bench share (neither imports the other): local network helpers."""
