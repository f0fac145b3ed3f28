"""Live class: the teacher opens a room, the class predicts on their phones, the projector shows the spread."""

import streamlit as st

from ui import live, page

presenter = page.frame("Live class")
st.title("Live class")
live.body(presenter)
page.links()
