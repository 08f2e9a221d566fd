# The autoseg worker (and CLI) image.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY scripts ./scripts
COPY examples ./examples
RUN npm run build && npm prune --omit=dev
ENV AUTOSEG_STAGE_DIR=/stage
VOLUME ["/stage"]
ENTRYPOINT ["node", "bin/autoseg.js"]
CMD ["worker"]
