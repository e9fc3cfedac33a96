// Each test starts a server, three agents and a browser: one at a time keeps a small machine responsive.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
