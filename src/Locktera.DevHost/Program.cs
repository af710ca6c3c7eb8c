using Locktera.DevHost;

DevHostApp.Build(args).Run();
