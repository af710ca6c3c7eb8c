// The baseline of bench/Locktera.Bench/TransferBench.cs: a plain blob upload or download with the
// JavaScript SDK as a client would run it, timed in here so that Node's start is not counted.
// Usage: node tools/bench/blob.mjs upload|download <connection string> <container> <blob> <file> <runs>
// Prints the best time of the runs in seconds.
import { BlobServiceClient } from "@azure/storage-blob";

const [mode, connection, containerName, blobName, file, runs] = process.argv.slice(2);
const container = BlobServiceClient.fromConnectionString(connection).getContainerClient(containerName);
await container.createIfNotExists();
const blob = container.getBlockBlobClient(blobName);
// Blocks of the API's size (4 MiB), several in flight: the SDK's parallel block upload even for a file
// below its single-request threshold, as the baseline.
const blockSize = 4 * 1024 * 1024;
const options = { blockSize, maxSingleShotSize: blockSize, concurrency: 5 };

let best = Infinity;
for (let i = 0; i < Number(runs); i++) {
  const start = process.hrtime.bigint();
  if (mode === "upload") {
    await blob.uploadFile(file, options);
  } else {
    const download = await blob.download();
    for await (const _ of download.readableStreamBody) {
      // Read and drop, as a client that streams a download on.
    }
  }
  best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
}
console.log(best);
