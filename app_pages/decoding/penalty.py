"""Decoding lab, "Which direction favours longer outputs?": the length penalty explained, then measured on
this search (the finished hypotheses re-scored for α from -1 to 3, and the one each α picks)."""
import pandas as pd

from app_pages.decoding.common import DecodingRun
from app_pages.parts import ui
from core.viz import decoding as charts

LP_HELP = """**Length penalty.** Log-probabilities are negative and every extra token adds another
negative term, so raw scores favour short outputs. Finished hypotheses are divided by a length
term `lp(len)^α`: with **α > 0** the divisor grows with length and long (very negative) scores
shrink towards zero the most, so **α > 0 favours longer outputs**; **α < 0 favours shorter ones**;
α = 0 is the raw log-prob. It only re-ranks *finished* hypotheses (and HF's stopping test):
running beams are always compared by raw log-prob."""


def render(slot, run: DecodingRun) -> None:
    """Into `slot` (a container inside the page's expander, under LP_HELP)."""
    trace = run.trace
    slot.caption("The finished hypotheses below, re-scored for α from -1 to 3 with the chosen form: "
                 "where lines cross, the ranking flips. Equal lengths never cross.")
    ui.chart(slot, charts.penalty_chart(trace, run.form), width="stretch")
    if len(trace.hypotheses) > 1:
        from core.text.decoding.beam_width import penalty_winners

        wins = pd.DataFrame(penalty_winners(trace))
        slot.markdown("**Measured on this search**: the hypothesis each α picks from the same finished pool. "
                      f"From α = −1 to α = 3 the winner goes from {wins['tokens'].iloc[0]} to "
                      f"{wins['tokens'].iloc[-1]} tokens" + (": larger α, longer output." if wins['tokens'].iloc[-1] >
                                                             wins['tokens'].iloc[0] else "."))
        slot.dataframe(wins, hide_index=True)
