"""Frame sources (layer 2): images now; camera, video and canvas later."""
