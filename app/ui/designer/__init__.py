"""The journey designer: palette, canvas and issues panel over one journey document.

Data flows one way: the view and the panels emit intents, the controller turns them into
domain edits on an undo stack, and after every edit (done, undone or redone) the scene mirrors
the document. Graphics items never hold or change journey data.
"""
