"""What a student draws on a picture, turned into what the algorithms take (no UI here).

canvas.py   the canvas's drawn objects (Fabric.js JSON) as rectangles and points in image pixels; checks
digit.py    a hand-drawn digit -> the 8 x 8 form the digits LeNet was trained on -> its input tensor
patches.py  painted pixels -> the ViT/MAE patch indices they touch
"""
