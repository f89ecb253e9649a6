"""The only package that opens windows (OpenCV highgui).

OpenCV's GUI wheel aborts the whole process when a window call is made with
no display, so every entry point asks :func:`camrec.ui.display.has_display`
first and runs headless when it says no.
"""
