// The baseline of bench/Locktera.Bench/TransferBench.cs: a plain blob upload or download with the
// JavaScript SDK as a client would run it.
// Usage: node tools/bench/blob.mjs <connection string> <container> <blob> <file>
// Then, one per line on standard input, "upload" (the file to the blob) or "download" (the blob,
// read and dropped); each prints "done" on a line when it has finished. The process stays up
// between them, so that the bench times them in turns with the API's, without Node's start, and
// the SDK stays warm.
import { createInterface } from "node:readline";
import { BlobServiceClient } from "@azure/storage-blob";

const [connection, containerName, blobName, file] = process.argv.slice(2);
const container = BlobServiceClient.fromConnectionString(connection).getContainerClient(containerName);
await container.createIfNotExists();
const blob = container.getBlockBlobClient(blobName);
// Blocks of the API's size (4 MiB), several in flight: the SDK's parallel block upload even for a file
// below its single-request threshold, as the baseline.
const blockSize = 4 * 1024 * 1024;
const options = { blockSize, maxSingleShotSize: blockSize, concurrency: 5 };

for await (const mode of createInterface({ input: process.stdin })) {
  if (mode === "upload") {
    await blob.uploadFile(file, options);
  } else if (mode === "download") {
    const download = await blob.download();
    for await (const _ of download.readableStreamBody) {
      // Read and drop, as a client that streams a download on.
    }
  } else {
    console.error(`Unknown mode '${mode}': upload or download.`);
    process.exit(2);
  }
  console.log("done");
}
