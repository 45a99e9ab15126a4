"""Vision transformers: ViT's patches and attention, MAE's masking, Swin's windows, BERT's pre-training.
One module per tab beside this file: vit, mae, swin (a real Swin on a picture) + swin_windows (the shift,
the mask, merging, cost), bert; models.py holds the one cached loader, picture.py the ViT/MAE picture."""
import streamlit as st

from app_pages.parts import present, ui
from app_pages.vision_transformers import bert, mae, swin_windows, vit
from app_pages.vision_transformers.swin import swin_on_picture

st.title("Vision transformers")
st.markdown("A transformer reads an image as a sentence of patches. **ViT** shows the patches, tokens and "
            "attention; **MAE** hides most patches and rebuilds them; **Swin** attends inside small shifted "
            "windows; **BERT pre-training** is the masked-word recipe MAE borrowed. Every picture is computed "
            "by the real model; the tests check each step against PyTorch, torchvision or Hugging Face.")
# on_change="rerun": a tab switch reruns, so only the open tab's stepper takes the arrow keys
tab_vit, tab_mae, tab_swin, tab_bert = st.tabs(["ViT", "MAE", "Swin", "BERT pre-training"], key="vit_tab", bind="query-params",
                                               on_change="rerun")
MODE = ui.model_source()

with tab_vit, present.keyboard(tab_vit.open):
    with ui.friendly_errors("Loading the ViT"):
        vit.render(MODE)

with tab_mae, present.keyboard(tab_mae.open):
    with ui.friendly_errors("Masked autoencoder"):
        mae.render(MODE)

with tab_swin, present.keyboard(tab_swin.open):
    with ui.friendly_errors("Swin on a picture"):
        swin_on_picture()
    with ui.friendly_errors("Swin windows"):
        swin_windows.render()

with tab_bert:
    with ui.friendly_errors("BERT pre-training"):
        bert.render(MODE)
