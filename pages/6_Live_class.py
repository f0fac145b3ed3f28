"""Live class: the teacher opens a room, the class answers on their phones, the projector shows the spread."""

from ui import live, page

presenter = page.frame("Live class")
live.body(presenter)
page.links()
