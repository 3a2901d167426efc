"""The training side of the studio, one concept per module.

- ``state``: the run state (idle, running, paused, finished, failed) and its transitions;
  every view of a run is drawn from it.
- ``job``: what a session is given (``TrainingJob``) and sends back (``Snapshot``, ``Evaluation``).
- ``pacing``: run time without pauses, current pace, speed cap, ~30 Hz snapshot cadence, ETA.
- ``runner``: the worker QObject pulling from ``core.training.iter_training`` (play/pause/step/stop).
- ``pictures``: the thread that gets each snapshot its boundary, neuron heatmaps and dead-ReLU
  fractions; ``picture_process``: the window's handle on the child process drawing them from
  shared-memory weight copies (``picture_drawer``: the child's loop; ``shared_arrays``: their messages
  and memory blocks).
- ``session``: the worker and pictures threads of one session, their signals and lockstep.
- ``gui_gc``: cycle collection in the GUI thread only while sessions run; ``blas``: BLAS threads;
  ``blas_tuner``: the worker's BLAS thread count, chosen by measuring.
- ``run``: one run of a window (sessions, state, toolbar counters, run label and epoch budget);
  drops the signals of a replaced session or of a model no longer current.
- ``views``: the plot docks and canvas pictures; ``link_weights``: the link weight popup;
  ``data_tab``: the Data tab, points clicked into the boundary, new data ending the run.
- ``toolbar``: Play/Pause, Step, Stop, Reset, speed box, counters.
- ``shown_model``: the network a window shows and trains (fresh until its weights are worth keeping,
  then ``workspace.model``), building it and saying on the canvas why it does not build.
- ``controller``: the model lifecycle (a run ends when network, data or settings change; adopting
  weights others loaded) and the wiring of all the above into a main window.
"""
