"""Language models: loading them through the zoo, the generated corpus, n-grams, Zipf, perplexity, the tiny GPT trainer."""
