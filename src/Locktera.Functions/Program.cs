using Locktera.Functions;
using Locktera.Functions.Pipeline;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<WorkerPipelineMiddleware>();
builder.Services.AddLocktera(builder.Configuration);
var host = builder.Build();
host.Services.ValidateConfiguration();
host.Run();
