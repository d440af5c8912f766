"""The network (CharLSTM), its numpy stepper for answering, and the precision it runs in."""
