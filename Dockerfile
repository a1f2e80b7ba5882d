# nsinspect agent image. Placeholder until issue 5/6: multi-stage build, Node.js 22 runtime with util-linux.
FROM node:22-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY dist ./dist
ENTRYPOINT ["node", "dist/cli/main.js"]
